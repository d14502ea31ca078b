// All repositories over one connection, built once at open (each prepares its statements up front).
import { AccessTokensRepository } from './access-tokens-repository';
import { ClientTxnsRepository } from './client-txns-repository';
import { CurrentStateRepository } from './current-state-repository';
import { EdgesRepository } from './edges-repository';
import { EventsRepository } from './events-repository';
import { ExtremitiesRepository } from './extremities-repository';
import { OutboundQueueRepository } from './outbound-queue-repository';
import { RoomsRepository } from './rooms-repository';
import { ServerKeysRepository } from './server-keys-repository';
import { SigningKeysRepository } from './signing-keys-repository';
import { StateSnapshotsRepository } from './state-snapshots-repository';
import type { StorageContext } from './storage-context';
import { TransactionsRepository } from './transactions-repository';
import { UsersRepository } from './users-repository';
import { EventStreamRepository } from './event-stream-repository';
import { ClientFiltersRepository } from './client-filters-repository';
import { RoomAliasesRepository } from './room-aliases-repository';
import { AccountDataRepository } from './account-data-repository';
import { ReceiptsRepository } from './receipts-repository';
import { ProfilesRepository } from './profiles-repository';

import { LightCacheRepository } from './light-cache-repository';

export class Repositories {
  readonly rooms: RoomsRepository;
  readonly events: EventsRepository;
  readonly edges: EdgesRepository;
  readonly extremities: ExtremitiesRepository;
  readonly snapshots: StateSnapshotsRepository;
  readonly currentState: CurrentStateRepository;
  readonly transactions: TransactionsRepository;
  readonly serverKeys: ServerKeysRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly outboundQueue: OutboundQueueRepository;
  readonly users: UsersRepository;
  readonly accessTokens: AccessTokensRepository;
  readonly clientTxns: ClientTxnsRepository;
  readonly lightCache: LightCacheRepository;
  readonly eventStream: EventStreamRepository;
  readonly clientFilters: ClientFiltersRepository;
  readonly roomAliases: RoomAliasesRepository;
  readonly accountData: AccountDataRepository;
  readonly receipts: ReceiptsRepository;
  readonly profiles: ProfilesRepository;

  constructor(readonly ctx: StorageContext) {
    this.rooms = new RoomsRepository(ctx);
    this.events = new EventsRepository(ctx);
    this.edges = new EdgesRepository(ctx);
    this.extremities = new ExtremitiesRepository(ctx);
    this.snapshots = new StateSnapshotsRepository(ctx);
    this.currentState = new CurrentStateRepository(ctx);
    this.transactions = new TransactionsRepository(ctx);
    this.serverKeys = new ServerKeysRepository(ctx);
    this.signingKeys = new SigningKeysRepository(ctx);
    this.outboundQueue = new OutboundQueueRepository(ctx);
    this.lightCache = new LightCacheRepository(ctx);
    this.users = new UsersRepository(ctx);
    this.accessTokens = new AccessTokensRepository(ctx);
    this.clientTxns = new ClientTxnsRepository(ctx);
    this.eventStream = new EventStreamRepository(ctx);
    this.clientFilters = new ClientFiltersRepository(ctx);
    this.roomAliases = new RoomAliasesRepository(ctx);
    this.accountData = new AccountDataRepository(ctx);
    this.receipts = new ReceiptsRepository(ctx);
    this.profiles = new ProfilesRepository(ctx);
  }
}
