-- listen: subscribes the listener's dedicated connection to the store's channel.
-- No params: LISTEN takes an identifier, so /* channel */ is replaced by the quoted
-- channel name when the file is loaded (see sql-files.ts).
LISTEN /* channel */;
