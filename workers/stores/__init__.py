"""One module per external system a record is kept in."""
