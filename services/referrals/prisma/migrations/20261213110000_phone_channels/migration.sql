-- Acting on a referral from any phone (issue 15): reply codes, the channel of each step, single-use
-- email action links and idempotent phone requests.

-- The short code a focal point answers an SMS with: drawn at submit (`src/domain/reply-code.ts`), unique among
-- the open referrals of the recipient organisation, free again once the referral is no longer open.
ALTER TABLE referral ADD COLUMN reply_code text;
CREATE UNIQUE INDEX referral_open_reply_code_key ON referral (recipient_organization_id, reply_code)
  WHERE reply_code IS NOT NULL AND status IN ('submitted', 'acknowledged', 'accepted', 'in_progress');

-- How each step came (console and API clients: `api`), and the focal point who took it through a channel.
-- Both are covered by the history's audit chain when set (ADR 10; `addedColumns` in src/data-access/audit-tables.ts):
-- rows written before hold the unset values and verify as they did. The chain's append function is replaced in
-- migration 20261213120000_history_channel_audit_chain, which must run after 20261208000100_audit_chain.
ALTER TABLE referral_history
  ADD COLUMN channel text NOT NULL DEFAULT 'api' CHECK (channel IN ('api', 'email_link', 'sms', 'ussd')),
  ADD COLUMN actor_focal_point_id uuid;


-- Email action links used (`src/domain/action-link-token.ts`): a link's nonce is claimed before its step and
-- released when the step is refused or fails, so a link acts once.
CREATE TABLE action_link_use (
  nonce text PRIMARY KEY,
  referral_id uuid NOT NULL REFERENCES referral (id),
  focal_point_id uuid NOT NULL,
  action text NOT NULL,
  used_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX action_link_use_referral_idx ON action_link_use (referral_id);

-- The first answer to each phone request (`requestKey`): the same request again gets it back and changes nothing.
-- Holds outcomes, codes, statuses and service names only, never a message's text.
CREATE TABLE phone_action_request (
  request_key text PRIMARY KEY,
  result jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX phone_action_request_created_at_idx ON phone_action_request (created_at);
