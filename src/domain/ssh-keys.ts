/**
 * The pgBackRest repository's SSH key pair: RSA 2048, the private key as PEM PKCS#1 and the public
 * key in OpenSSH authorized_keys format (Node's crypto cannot write that format, so it is encoded
 * here from the key's modulus and exponent, RFC 4253 §6.6).
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsa = promisify(generateKeyPair);

export const SSH_KEY_BITS = 2048;

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An mpint: big-endian, with a leading zero byte when the top bit is set. */
function sshMpint(base64url: string): Buffer {
  let bytes = Buffer.from(base64url, 'base64url');
  if (bytes.length > 0 && (bytes[0] & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** Generated off the event loop (libuv's thread pool): RSA 2048 takes tens of milliseconds. */
export async function generateSshKeyPair(comment: string): Promise<{ privateKeyPem: string; authorizedKey: string }> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: SSH_KEY_BITS });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(String(jwk.e)), sshMpint(String(jwk.n))]);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    authorizedKey: `ssh-rsa ${blob.toString('base64')} ${comment}\n`,
  };
}
