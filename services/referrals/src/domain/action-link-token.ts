import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUuid } from '@referral-hub/platform';
import type { RingKey } from '@referral-hub/platform';

/** The steps an email action link can take. */
export const ACTION_LINK_ACTIONS = ['acknowledge', 'accept', 'decline'] as const;
export type ActionLinkAction = (typeof ACTION_LINK_ACTIONS)[number];

/** What a genuine token says: which focal point may take which step on which referral, until when. */
export type ActionLinkClaims = {
  referralId: string;
  focalPointId: string;
  action: ActionLinkAction;
  expiresAt: Date;
  /** Random, per token: the key of its single use (`action_link_use`). */
  nonce: string;
};

export type ActionLinkTokens = {
  /** A fresh token for one focal point, one referral and one step, expiring after the configured time. */
  sign(link: { referralId: string; focalPointId: string; action: ActionLinkAction }, now: Date): { token: string; expiresAt: Date };
  /**
   * The claims of a token this service signed with a key of its ring, or null for anything else (malformed,
   * truncated, altered, another version, a key no longer in the ring). Expiry is the caller's to judge.
   */
  read(token: string): ActionLinkClaims | null;
  /** How long a token lives, in seconds. */
  ttlSeconds: number;
};

/*
 * A token is base64url of: version (1 byte, 1) ‖ referral id (16) ‖ focal point id (16) ‖ action (1)
 * ‖ expiry, Unix seconds (4, big-endian) ‖ nonce (8) ‖ HMAC-SHA256 of all that, first 16 bytes.
 * 62 bytes, 83 characters: short enough for any mail client to keep the link whole.
 */
const VERSION = 1;
const PAYLOAD_BYTES = 1 + 16 + 16 + 1 + 4 + 8;
const MAC_BYTES = 16;
const TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES;
/** Binds the MAC to this use of the keys: the same key elsewhere never yields a valid link. */
const DOMAIN = Buffer.from('referral-hub/action-link/v1\n', 'utf8');

function uuidBytes(id: string): Buffer {
  const lower = id.toLowerCase();
  if (!isUuid(lower)) throw new Error('An action link names a referral and a focal point by UUID');
  return Buffer.from(lower.replaceAll('-', ''), 'hex');
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
}

/**
 * Signs and reads email action links (issue 15) with the `ACTION_LINK_KEYS` ring: the first key signs,
 * every key of the ring verifies (rotate by putting a new key first; links signed with a key dropped from the
 * ring become invalid). The token is the credential of the public link endpoints: bound to one focal point,
 * one referral and one step, expiring, and single-use through its nonce.
 */
export function createActionLinkTokens(keys: readonly RingKey[], ttlSeconds: number): ActionLinkTokens {
  const signing = keys[0];
  if (signing === undefined) throw new Error('The action link key ring is empty');
  return {
    ttlSeconds,
    sign(link, now) {
      const expiresAt = new Date((Math.floor(now.getTime() / 1000) + ttlSeconds) * 1000);
      const payload = Buffer.alloc(PAYLOAD_BYTES);
      let at = payload.writeUInt8(VERSION, 0);
      at += uuidBytes(link.referralId).copy(payload, at);
      at += uuidBytes(link.focalPointId).copy(payload, at);
      at = payload.writeUInt8(ACTION_LINK_ACTIONS.indexOf(link.action), at);
      at = payload.writeUInt32BE(expiresAt.getTime() / 1000, at);
      randomBytes(8).copy(payload, at);
      return { token: Buffer.concat([payload, mac(signing.key, payload)]).toString('base64url'), expiresAt };
    },
    read(token) {
      if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
      const bytes = Buffer.from(token, 'base64url');
      // Re-encoding must give the token back: no padding tricks, no trailing bits, exactly one form per token.
      if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return null;
      const payload = bytes.subarray(0, PAYLOAD_BYTES);
      const given = bytes.subarray(PAYLOAD_BYTES);
      // Every key is tried (no early exit), each comparison in constant time.
      let genuine = false;
      for (const { key } of keys) genuine = timingSafeEqual(mac(key, payload), given) || genuine;
      if (!genuine || payload.readUInt8(0) !== VERSION) return null;
      const action = ACTION_LINK_ACTIONS[payload.readUInt8(33)];
      if (action === undefined) return null;
      return {
        referralId: uuidOf(payload.subarray(1, 17)),
        focalPointId: uuidOf(payload.subarray(17, 33)),
        action,
        expiresAt: new Date(payload.readUInt32BE(34) * 1000),
        nonce: payload.subarray(38, 46).toString('hex'),
      };
    },
  };
}

/**
 * The key ring used when `ACTION_LINK_KEYS` is not set, outside production only (the configuration refuses
 * that in production): derived from a fixed phrase, so links stay valid across development restarts, and
 * worth nothing as a secret.
 */
export function developmentActionLinkKeys(): RingKey[] {
  return [{ id: 'dev', key: createHash('sha256').update('referral-hub referrals development action link key').digest() }];
}
