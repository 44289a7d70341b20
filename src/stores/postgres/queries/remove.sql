-- remove: deletes jobs in any state. $1 ids bigint[]. Returns the id of each job deleted.
DELETE FROM /* schema */.jobs WHERE id = ANY($1::bigint[]) RETURNING id;
