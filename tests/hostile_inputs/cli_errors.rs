//! Every refusal of the command line is one line, usage errors included.
