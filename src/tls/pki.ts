/**
 * TLS material generated on first start and kept in the data directory: one CA that signs every
 * server certificate of the process (the embedded API and the product's own port), so a single
 * `ca.crt` lets curl, kubectl and client-node verify both. Keys come from Node's crypto (fast);
 * node-forge writes the X.509 certificates, which Node cannot.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

export const CA_VALIDITY_YEARS = 10;
export const SERVER_CERT_VALIDITY_YEARS = 2;
/** A server certificate closer than this to expiry is regenerated at start. */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const RSA_BITS = 2048;

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  certPath: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

function writeAtomically(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

export function serialNumber(): string {
  // DER integers are minimal and signed: a first byte of 0x01–0x7f is positive and needs no padding
  // (a leading 0x00 before a byte under 0x80 is "illegal padding" to OpenSSL).
  const bytes = randomBytes(16);
  bytes[0] = 1 + (bytes[0] % 0x7f);
  return bytes.toString('hex');
}

export function ensureCertificateAuthority(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (existsSync(certPath) && existsSync(keyPath)) return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), certPath };
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + CA_VALIDITY_YEARS * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: 'pgo-graphql-server CA' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeAtomically(keyPath, keys.keyPem, 0o600);
  writeAtomically(certPath, certPem, 0o644);
  return { certPem, keyPem: keys.keyPem, certPath };
}

/** True when the existing certificate is signed by `ca`, covers every host, and is not near expiry. */
function stillGood(certPem: string, ca: CertificateAuthority, hosts: string[]): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.verify(new X509Certificate(ca.certPem).publicKey)) return false;
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    const sans = cert.subjectAltName ?? '';
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : sans.includes(`DNS:${h}`)));
  } catch {
    return false;
  }
}

export function ensureServerCertificate(dir: string, name: string, ca: CertificateAuthority, hosts: string[]): ServerCertificate {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const all = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts].filter(Boolean))];
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    if (stillGood(certPem, ca, all)) return { certPem, keyPem: readFileSync(keyPath, 'utf8'), certPath, keyPath };
  }
  const keys = newKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + SERVER_CERT_VALIDITY_YEARS * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: name }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // clientAuth too: pgo clients present the server's own pair as their client certificate (4.2.4's PGO_CLIENT_CERT).
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: all.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeAtomically(keyPath, keys.keyPem, 0o600);
  writeAtomically(certPath, certPem, 0o644);
  return { certPem, keyPem: keys.keyPem, certPath, keyPath };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Why a PEM text is not a certificate or bundle of certificates (every block must parse), or undefined. */
export function certificatePemProblem(pem: string): string | undefined {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `holds a PEM certificate that does not parse (block ${index + 1})`;
    }
  }
  return undefined;
}

/** PKCS#8 and the traditional OpenSSL format mark an encrypted key differently. */
const ENCRYPTED_PEM_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

/** Why a PEM text is not a private key the HTTPS server can use, or undefined. */
export function privateKeyPemProblem(pem: string): string | undefined {
  try {
    createPrivateKey(pem);
    return undefined;
  } catch {
    // No passphrase is ever asked for, so an encrypted key can never be used.
    return ENCRYPTED_PEM_KEY.test(pem) ? 'holds an encrypted private key (give it unencrypted)' : 'holds no PEM private key';
  }
}

/** True when `keyPem` is the private key of the first (leaf) certificate of `certPem`. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares digests so neither the content nor the length of a secret leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
