-- Issue 15: SMS sent to the hub by focal points (commands such as `OK 4821`).
--
-- One row per message the provider delivered, keyed by the provider's own message id, so that a
-- callback delivered again changes nothing and is not answered twice. Only the command as the hub
-- understood it is kept (`accept 4821`, `decline 4821 no_capacity`, `help`, `unknown`) and what came
-- of it: never the text itself, nor the sender's number.
CREATE TABLE inbound_message (
  provider     text NOT NULL CHECK (provider IN ('africastalking', 'http', 'dev')),
  message_id   text NOT NULL CHECK (char_length(message_id) BETWEEN 1 AND 200),
  command      text NOT NULL,
  outcome      text NOT NULL,
  received_at  timestamptz(3) NOT NULL DEFAULT now(),
  processed_at timestamptz(3),
  PRIMARY KEY (provider, message_id)
);
CREATE INDEX inbound_message_received_idx ON inbound_message (received_at);

-- The reply to such a message is an SMS like any other, in the delivery log: its recipient is the
-- number that wrote (`phone_sender`), about no referral and no organisation.
ALTER TABLE delivery DROP CONSTRAINT delivery_recipient_role_check;
ALTER TABLE delivery ADD CONSTRAINT delivery_recipient_role_check CHECK (recipient_role IN ('lead', 'supervisor', 'focal_point', 'subscriber', 'org_admin', 'phone_sender'));
