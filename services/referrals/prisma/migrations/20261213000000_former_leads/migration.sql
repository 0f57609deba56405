-- The people who held the lead role before a transfer handed the case over: their work contact
-- as their token gave it, kept so that events of their tenure (and the acceptance itself) are
-- told to them, not to whoever leads the case when the event is read. Staff contacts only.
CREATE TABLE referral_former_lead (
  referral_id             uuid NOT NULL REFERENCES referral (id),
  user_id                 text NOT NULL,
  organization_id         uuid NOT NULL,
  name                    text,
  email                   text,
  phone                   text,
  language                text,
  supervisor_user_id      text,
  -- When the lead role left them (the transfer's acceptance).
  until                   timestamptz(3) NOT NULL,
  PRIMARY KEY (referral_id, user_id, organization_id)
);
