/** A masked client frame with a raw first byte (FIN, RSV and opcode bits), payload under 126 bytes. */
export function clientFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44])
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)))
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked])
}

/** Invalid frames, what ws makes of them, and the close code the server answers them with. */
export const invalidFrames = [
  { name: 'a reserved opcode', frame: clientFrame(0x83, Buffer.from('x')), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
  { name: 'a message above maxPayload', frame: clientFrame(0x82, Buffer.alloc(20)), code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', closeCode: 1009 },
  { name: 'text that is not UTF-8', frame: clientFrame(0x81, Buffer.from([0xff, 0xfe])), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 },
] as const

/** The server's maxPayload in these tests. */
export const MAX_PAYLOAD = 16
