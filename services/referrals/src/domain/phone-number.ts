/**
 * A phone number as compared between an SMS or USSD sender and the focal points' work phones: a leading `+`
 * kept, then the digits only (spaces, dashes, dots and brackets dropped). `findFocalPointsByPhone` applies the
 * same rule in SQL.
 */
export function normalizePhone(raw: string): string {
  const trimmed = raw.trim();
  return `${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/[^0-9]/g, '')}`;
}
