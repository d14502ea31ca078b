// Every check, in the order they run: identity, joins, /send, access, reads, MSC4370, then what the
// target sent us during all of that.
import type { Check } from '../check';
import { accessChecks } from './access-checks';
import { joinChecks } from './join-checks';
import { keyChecks } from './key-checks';
import { msc4370Checks } from './msc4370-checks';
import { outboundChecks } from './outbound-checks';
import { readChecks } from './read-checks';
import { sendChecks } from './send-checks';

export const ALL_CHECKS: readonly Check[] = [...keyChecks, ...joinChecks, ...sendChecks, ...accessChecks, ...readChecks, ...msc4370Checks, ...outboundChecks];
