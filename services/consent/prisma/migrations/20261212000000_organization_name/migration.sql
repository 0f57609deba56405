-- The organisation's name from the directory's events, so the account of what was
-- shared about a case names each recipient to the family. Null until an event
-- carrying it arrives (the account then uses a neutral phrase).
ALTER TABLE organization_type ADD COLUMN organization_name text;
