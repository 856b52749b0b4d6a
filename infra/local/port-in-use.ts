/** A port the local stack was told to listen on is taken; names the variable that moves it. */
export class PortInUseError extends Error {
  readonly port: number;
  /** The environment variable that sets the port. */
  readonly variable: string;

  constructor(port: number, variable: string, options?: ErrorOptions & { perhaps?: string }) {
    super(
      `port ${port} (${variable}) is already in use, perhaps by ${options?.perhaps ?? 'another npm start or LocalStack'}; ` +
        `stop what listens there, or set ${variable} to another port (0 picks a free one)`,
      options,
    );
    this.name = 'PortInUseError';
    this.port = port;
    this.variable = variable;
  }
}

/**
 * A rejection handler for starting a server on `port`: rethrows `EADDRINUSE` as a
 * `PortInUseError` naming the `variable` that sets the port (and, `perhaps`, who may hold it),
 * and any other error as it is.
 */
export function rethrowPortInUse(
  variable: string,
  port: number,
  perhaps?: string,
): (error: unknown) => never {
  return function rethrowListenError(error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE') {
      throw new PortInUseError(port, variable, {
        cause: error,
        ...(perhaps === undefined ? {} : { perhaps }),
      });
    }
    throw error;
  };
}
