//! SIGINT, SIGTERM and kill -9 at any moment leave the old target or the new one whole, and no staging behind.
