/** An HTTP error whose message is safe to show to the client (bad query parameters: 400). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}
