-- prune-blocks: forgets blocks that ended before @now. Run by block, which is rare.
DELETE FROM errand_blocks WHERE until <= @now;
