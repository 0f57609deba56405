/**
 * Operators' dead-letter tool.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/dead-letters.ts list --consumer referrals
 *   node --conditions=@referral-hub/source --import tsx scripts/dead-letters.ts replay --consumer referrals --id <eventId> [--id …]
 *   node --conditions=@referral-hub/source --import tsx scripts/dead-letters.ts replay --consumer referrals --all
 *
 * AMQP_URL defaults to the local broker.
 */
import { runDeadLettersCli } from '../packages/platform/src/messaging/dead-letters-cli.js';

process.exitCode = await runDeadLettersCli(process.argv.slice(2), process.env);
