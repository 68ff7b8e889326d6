/** What every local service started by the emulator gives back. */
/** A started local service. */
export interface LocalService {
  /** The service's endpoint, such as `http://127.0.0.1:8123`. */
  readonly endpoint: string;
  /** Stops the service and resolves once its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}
