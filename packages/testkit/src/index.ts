export * from './database.js';
export * from './amqp.js';
export * from './tcp-proxy.js';
export * from './tokens.js';
export * from './service-env.js';
export * from './event-tap.js';
export * from './service-checks.js';
export * from './producer.js';
