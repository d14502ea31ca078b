// Re-export: the per-PDU checks moved to crypto/pdu-checks.ts so that light/ can share them.
export { asMatrixError, checkPdu } from '../crypto/pdu-checks';
export type { CheckedPdu } from '../crypto/pdu-checks';
