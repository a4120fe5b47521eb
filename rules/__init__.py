"""The regulation as pure functions: no I/O, no ORM; each rule cites its article."""
