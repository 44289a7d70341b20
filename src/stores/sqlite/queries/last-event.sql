-- last-event: the newest event id, where a new listener starts reading. No params.
SELECT coalesce(max(id), 0) AS id FROM errand_events;
