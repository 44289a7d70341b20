-- now: the current time in milliseconds since the epoch, by SQLite's clock (the
-- operating system's), so a process whose JavaScript Date is skewed or faked still
-- agrees with every other process on the file. No parameters; returns one integer.
SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS now;
