/**
 * Work that leaves the process (layer 3): the durable outbox queue every outbound channel
 * (push, email, webhooks) runs on.
 */
export {
  backoff,
  enqueue,
  type Job,
  OutboxWorker,
  type Outcome,
  type WorkerOptions,
} from "./queue.ts";
export * from "./address.ts";
export * from "./mail.ts";
