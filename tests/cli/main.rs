//! Integration tests: the real binary on `sample-logs/` and on logs written to temp dirs.

mod analyze;
mod check;
mod evidence;
mod hostile;
mod html;
mod logs;
mod policy;
mod properties;
mod retry;
mod snapshots;
mod store;
mod usage;
