//! Full disks, vanishing output directories and outputs that cannot fit.
