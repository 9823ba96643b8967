import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { classes, Message, makeIntegrityKey, methods, parseMessage } from 'werift';

/** REQUESTED-TRANSPORT: UDP (17) in the top byte. */
const UDP_TRANSPORT = 0x11000000;

export type TurnAnswer = { ok: true; message: Message } | { ok: false; code: number; message: Message };

/**
 * A TURN client over one UDP socket (one allocation), speaking the protocol by hand so a test sees
 * exactly what the server answers: 401/403 codes instead of a library's retries.
 */
export class TurnProbe {
  private auth: { key: Buffer; realm: string; nonce: unknown } | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly server: { host: string; port: number },
    private readonly credentials: { username: string; password: string },
  ) {}

  static async open(
    server: { host: string; port: number },
    credentials: { username: string; password: string },
  ): Promise<TurnProbe> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new TurnProbe(socket, server, credentials);
  }

  /** Allocate: an unauthenticated request for the realm and nonce, then the authenticated one. */
  async allocate(): Promise<TurnAnswer> {
    const challenge = await this.request(this.message(methods.ALLOCATE));
    if (challenge.ok) return challenge;
    const realm = challenge.message.getAttributeValue('REALM') as string | undefined;
    const nonce = challenge.message.getAttributeValue('NONCE') as unknown;
    if (challenge.code !== 401 || !realm) return challenge;
    const { username, password } = this.credentials;
    this.auth = { key: makeIntegrityKey(username, realm, password), realm, nonce };
    return this.request(this.authenticated(this.message(methods.ALLOCATE)));
  }

  /** CreatePermission for a peer address on the allocation made by allocate(). */
  async createPermission(peerIp: string): Promise<TurnAnswer> {
    const message = new Message(methods.CREATE_PERMISSION, classes.REQUEST).setAttribute('XOR-PEER-ADDRESS', [
      peerIp,
      40000,
    ]);
    return this.request(this.authenticated(message));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private message(method: methods): Message {
    return new Message(method, classes.REQUEST).setAttribute('REQUESTED-TRANSPORT', UDP_TRANSPORT);
  }

  private authenticated(message: Message): Message {
    if (!this.auth) throw new Error('allocate() first');
    return message
      .setAttribute('USERNAME', this.credentials.username)
      .setAttribute('REALM', this.auth.realm)
      .setAttribute('NONCE', this.auth.nonce)
      .addMessageIntegrity(this.auth.key);
  }

  /** Sends a request (retransmitted, as over UDP) and waits for the answer with its transaction id
   * (a fresh random one per Message). */
  private async request(message: Message): Promise<TurnAnswer> {
    const bytes = message.bytes;
    const answer = new Promise<Message>((resolve) => {
      const onMessage = (data: Buffer) => {
        const parsed = parseMessage(data);
        if (parsed?.transactionId.equals(message.transactionId)) {
          this.socket.off('message', onMessage);
          resolve(parsed);
        }
      };
      this.socket.on('message', onMessage);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      let tries = 0;
      const send = () => {
        if (++tries > 20) return reject(new Error(`no TURN answer from ${this.server.port}`));
        this.socket.send(bytes, this.server.port, this.server.host);
        timer = setTimeout(send, 250);
      };
      send();
    });
    try {
      const response = await Promise.race([answer, deadline]);
      if (response.messageClass === classes.RESPONSE) return { ok: true, message: response };
      const [code] = (response.getAttributeValue('ERROR-CODE') as [number, string] | undefined) ?? [0];
      return { ok: false, code, message: response };
    } finally {
      clearTimeout(timer);
    }
  }
}
