// The messaging layer's public API: RabbitMQ connection and topology, publisher,
// transactional outbox and relay, consumer with inbox, dead-letter tools.
export {
  assertValidEvent,
  CLOUDEVENTS_CONTENT_TYPE,
  InvalidEventError,
  MESSAGE_HEADERS,
  type EventEnvelope,
  type EventValidationError,
  type EventValidationResult,
  type EventValidator,
} from './events.js';
export { AmqpConnection, brokerUnavailable, connectAmqp, type AmqpConnectionEvents, type ConnectAmqpOptions } from './connection.js';
export {
  consumerQueueNames,
  consumerTopology,
  deadLetterExchangeFor,
  declareTopology,
  DEFAULT_EVENTS_EXCHANGE,
  toRabbitDefinitions,
  topologyFor,
  type BindingDeclaration,
  type ConsumerTopology,
  type ExchangeDeclaration,
  type QueueArguments,
  type QueueDeclaration,
  type RabbitDefinitions,
  type Topology,
  type TopologyOptions,
} from './topology.js';
export { createPublisher, type CreatePublisherOptions, type EventPublisher, type MessageHeaders } from './publish.js';
export {
  createOutbox,
  enqueueEvent,
  eventSourceOf,
  OUTBOX_NOTIFY_CHANNEL,
  outboxBacklog,
  outboxRowOf,
  outboxInsertSql,
  type EnqueueEventOptions,
  type Outbox,
  type OutboxBacklog,
  type OutboxRow,
  type PublishOptions,
} from './outbox.js';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type OutboxRelayStats } from './relay.js';
export {
  startConsumer,
  topicMatches,
  type ConsumerStats,
  type DeadLetterReason,
  type EventConsumer,
  type EventHandler,
  type EventHandlerContext,
  type EventHandlerKey,
  type EventHandlers,
  type EventsOfKey,
  type PreparedEventHandler,
  type StartConsumerOptions,
} from './consumer.js';
export {
  describeDeadLetter,
  listDeadLetters,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterListing,
  type ReplayResult,
} from './dead-letters.js';
