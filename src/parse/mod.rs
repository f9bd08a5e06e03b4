//! Parsing with nom over bytes: the header block, the row grammar, and the payloads inside
//! rows. Nothing here allocates per row except to undo doubled quotes.

pub mod endpoint;
pub mod header;
pub mod payload;
pub mod row;
pub mod time;
