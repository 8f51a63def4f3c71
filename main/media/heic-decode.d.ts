// heic-decode ships no types. Only the single-image call is used (see heic-worker.ts).
declare module 'heic-decode' {
  interface DecodedHeic {
    width: number;
    height: number;
    /** RGBA, 8 bits per sample. */
    data: Uint8ClampedArray;
  }
  function decode(input: { buffer: ArrayBufferLike | Uint8Array }): Promise<DecodedHeic>;
  export default decode;
}

// libheif-js, the WebAssembly libheif that heic-decode wraps (the same module instance): used directly
// only to decode one item by id, a HEIC's thumbnail (heic-worker.ts). Just the calls used are typed.
declare module 'libheif-js/wasm-bundle.js' {
  interface HeifImage {
    get_width(): number;
    get_height(): number;
    display(
      target: { data: Uint8ClampedArray; width: number; height: number },
      done: (result: { data: Uint8ClampedArray } | null) => void,
    ): void;
    free(): void;
  }
  interface HeifDecoder {
    /** The libheif context of the last decode() (an embind handle). */
    decoder: unknown;
    /** Parses the file; the top-level images, not yet decoded. */
    decode(buffer: Uint8Array): HeifImage[];
  }
  const libheif: {
    ready: Promise<void>;
    HeifDecoder: new () => HeifDecoder;
    HeifImage: new (handle: unknown) => HeifImage;
    /** An image handle, or an error object ({ code, message }) when the id is not an image. */
    heif_js_context_get_image_handle(context: unknown, id: number): unknown;
    heif_context_free(context: unknown): void;
  };
  export default libheif;
}
