-- prune-blocks: forgets blocks that have ended. $1 now bigint (null: the database's
-- clock). Run by block, which is rare, so the table stays as small as the blocks in force.
DELETE FROM /* schema */.blocks WHERE until <= coalesce($1::bigint, /* schema */.now_ms());
