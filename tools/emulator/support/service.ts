/** What every local service started by the emulator gives back. */
export interface LocalService {
  /** The service's endpoint, such as `http://127.0.0.1:8123`. */
  readonly endpoint: string;
  /**
   * For a service in a child process: resolves with an error naming it, its pid and how it ended
   * (`DynamoDB Local (pid 123) exited unexpectedly: SIGKILL`) when it exits before `stop()`; never
   * settles otherwise. Absent for services inside this process.
   */
  readonly died?: Promise<Error>;
  /** Stops the service and resolves once its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}
