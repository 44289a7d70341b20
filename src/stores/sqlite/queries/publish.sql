-- publish: appends one batch of events for other processes. @origin @at @body (JSON array).
INSERT INTO errand_events (origin, at, body) VALUES (@origin, @at, @body);
