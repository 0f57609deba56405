-- Escalation: a stage still overdue a further interval after its reminder (referral.overdue) is
-- escalated once (referral.escalated). When each stage escalates is fixed at submit, from the
-- settings then in force; the *_escalated_at columns mark the escalation as made.
ALTER TABLE referral
  ADD COLUMN acknowledge_escalate_at  timestamptz(3),
  ADD COLUMN decision_escalate_at     timestamptz(3),
  ADD COLUMN acknowledge_escalated_at timestamptz(3),
  ADD COLUMN decision_escalated_at    timestamptz(3);
