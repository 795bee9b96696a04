package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Limits of the aws-chunked decoder.
const (
	// MinChunkSize is the smallest data chunk S3 accepts before the last
	// one ("Only the last chunk is allowed to have a size less than 8192
	// bytes").
	MinChunkSize = 8192
	// maxChunkLine bounds a chunk header or trailer line; a SigV4 chunk
	// header is under 100 bytes, a SigV4a one under 200.
	maxChunkLine = 4096
	// maxTrailers bounds the trailing header lines.
	maxTrailers = 32
)

// chunkState is where a ChunkedReader is in the body.
type chunkState int

const (
	stateHeader chunkState = iota // before a chunk header line
	stateData                     // inside a chunk's data
	stateDone                     // after the final chunk and trailers
)

// ChunkedReader decodes an aws-chunked request body (Content-Encoding
// aws-chunked, x-amz-content-sha256 STREAMING-*) into the payload, reading
// its framing as it goes: memory stays bounded whatever the chunk sizes.
//
// With a ChunkSeed it verifies each chunk's signature when the chunk ends
// and the trailer signature after the trailers, and Read returns S3's
// SignatureDoesNotMatch on a mismatch. Data is returned before its chunk's
// signature is checked, so nothing read is trustworthy until Read returns
// io.EOF; a caller stores the payload aside and commits it only then.
// Malformed framing returns S3's IncompleteBody, a short non-final chunk
// InvalidChunkSizeError. Every error is an *Error except those of the
// underlying reader, which are returned as they are.
type ChunkedReader struct {
	br       *bufio.Reader
	signed   bool // chunk headers carry chunk-signature
	trailer  bool // trailing headers follow the final chunk
	verify   bool // chunk signatures are HMACs to check
	state    chunkState
	err      error
	left     int64 // data bytes left in the current chunk
	prevSize int64 // size of the previous data chunk, -1 before the first
	chunks   int
	decoded  int64
	trailers http.Header

	mac       hash.Hash // HMAC-SHA256 with the signing key
	chunkHash hash.Hash // SHA-256 of the current chunk's data
	sigPrefix []byte    // "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n"
	date      string
	scope     string
	prevSig   [64]byte // hex signature of the previous chunk (or the seed)
	chunkSig  [64]byte // hex signature the current chunk's header claims
}

// NewChunkedReader returns a reader of the payload of the aws-chunked body,
// whose x-amz-content-sha256 is contentSHA256. seed (from
// Verifier.ChunkSeed) enables signature checks for the
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD forms; with a nil seed, or for
// STREAMING-UNSIGNED-PAYLOAD-TRAILER and the SigV4a forms, chunks are
// decoded without checks. An unknown contentSHA256 is S3's InvalidArgument.
func NewChunkedReader(body io.Reader, contentSHA256 string, seed *ChunkSeed) (*ChunkedReader, error) {
	c := &ChunkedReader{br: bufio.NewReaderSize(body, 16<<10), prevSize: -1}
	hmacMode := false
	switch contentSHA256 {
	case StreamingPayload:
		c.signed, hmacMode = true, true
	case StreamingPayloadTrailer:
		c.signed, c.trailer, hmacMode = true, true, true
	case StreamingUnsignedPayloadTrailer:
		c.trailer = true
	case StreamingECDSAPayload:
		c.signed = true
	case StreamingECDSAPayloadTrailer:
		c.signed, c.trailer = true, true
	default:
		return nil, invalidContentSHA256(contentSHA256)
	}
	if hmacMode && seed != nil {
		if !isSHA256Hex(seed.Signature) || len(seed.SigningKey) == 0 {
			return nil, errors.New("sigv4: chunk seed needs a signing key and a 64-digit hex seed signature")
		}
		c.verify = true
		c.mac = hmac.New(sha256.New, seed.SigningKey)
		c.chunkHash = sha256.New()
		c.date, c.scope = seed.Date, seed.Scope
		c.sigPrefix = []byte("AWS4-HMAC-SHA256-PAYLOAD\n" + seed.Date + "\n" + seed.Scope + "\n")
		copy(c.prevSig[:], strings.ToLower(seed.Signature))
	}
	return c, nil
}

// Read reads decoded payload bytes. It returns io.EOF only after the final
// chunk, the trailers and every signature have been read and checked.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.state == stateHeader {
		if err := c.readChunkHeader(); err != nil {
			return 0, c.fail(err)
		}
	}
	if c.state == stateDone {
		c.err = io.EOF
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	c.decoded += int64(n)
	if c.verify {
		c.chunkHash.Write(p[:n])
	}
	if err != nil {
		return n, c.fail(err)
	}
	if c.left == 0 {
		// Finish the chunk and read the next header now, so that the Read
		// returning the payload's last bytes also reports EOF or the final
		// signature's failure.
		if err := c.endChunk(); err != nil {
			return n, c.fail(err)
		}
		if err := c.readChunkHeader(); err != nil {
			return n, c.fail(err)
		}
		if c.state == stateDone {
			c.err = io.EOF
			return n, io.EOF
		}
	}
	return n, nil
}

// Trailers returns the trailing headers (such as X-Amz-Checksum-Crc32),
// without x-amz-trailer-signature, once Read has returned io.EOF; before
// that, or when there were none, it returns nil.
func (c *ChunkedReader) Trailers() http.Header {
	if c.err != io.EOF {
		return nil
	}
	return c.trailers
}

// DecodedLength returns how many payload bytes Read has returned, to
// compare with x-amz-decoded-content-length.
func (c *ChunkedReader) DecodedLength() int64 { return c.decoded }

// fail records err, turning an early end of the body into IncompleteBody.
func (c *ChunkedReader) fail(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = incompleteBody()
	}
	c.err = err
	return err
}

// readLine returns the next CRLF-terminated line without its CRLF. The
// slice is valid until the next read. atEOF reports that the body ended
// cleanly before the line started.
func (c *ChunkedReader) readLine() (line []byte, atEOF bool, err error) {
	line, err = c.br.ReadSlice('\n')
	switch {
	case err == io.EOF && len(line) == 0:
		return nil, true, nil
	case err == bufio.ErrBufferFull:
		return nil, false, incompleteBody()
	case err != nil:
		return nil, false, err
	}
	if len(line) > maxChunkLine || len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, false, incompleteBody()
	}
	return line[:len(line)-2], false, nil
}

// readChunkHeader reads "<hex size>[;chunk-signature=<sig>]" and, for the
// final (zero-size) chunk, the trailers and the end of the body.
func (c *ChunkedReader) readChunkHeader() error {
	line, atEOF, err := c.readLine()
	if err != nil {
		return err
	}
	if atEOF {
		return incompleteBody()
	}
	sizeField, ext, _ := bytes.Cut(line, []byte{';'})
	size, ok := parseChunkSize(sizeField)
	if !ok {
		return incompleteBody()
	}
	c.chunks++
	if size > 0 && c.prevSize >= 0 && c.prevSize < MinChunkSize {
		return &Error{Code: "InvalidChunkSizeError", Message: msgChunkSize, Status: http.StatusForbidden, Fields: []Field{
			{"Chunk", strconv.Itoa(c.chunks)},
			{"BadChunkSize", strconv.FormatInt(c.prevSize, 10)},
		}}
	}
	if c.signed {
		sig, ok := chunkSignature(ext)
		if !ok {
			return incompleteBody()
		}
		if c.verify {
			if len(sig) != len(c.chunkSig) || !isSHA256Hex(string(sig)) {
				return chunkSignatureMismatch()
			}
			for i, ch := range sig {
				if 'A' <= ch && ch <= 'F' {
					ch += 'a' - 'A'
				}
				c.chunkSig[i] = ch
			}
			c.chunkHash.Reset()
		}
	}
	if size == 0 {
		if c.verify && !c.chunkSignatureValid() {
			return chunkSignatureMismatch()
		}
		if err := c.readTrailers(); err != nil {
			return err
		}
		c.state = stateDone
		return nil
	}
	c.left, c.prevSize, c.state = size, size, stateData
	return nil
}

// parseChunkSize parses the hex chunk size, at most 15 digits so it cannot
// overflow.
func parseChunkSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, ch := range b {
		var d byte
		switch {
		case '0' <= ch && ch <= '9':
			d = ch - '0'
		case 'a' <= ch && ch <= 'f':
			d = ch - 'a' + 10
		case 'A' <= ch && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// chunkSignature returns the chunk-signature extension's value.
func chunkSignature(ext []byte) ([]byte, bool) {
	const key = "chunk-signature="
	for len(ext) > 0 {
		var e []byte
		e, ext, _ = bytes.Cut(ext, []byte{';'})
		if v, ok := bytes.CutPrefix(e, []byte(key)); ok && len(v) > 0 {
			return v, true
		}
	}
	return nil, false
}

// endChunk reads the CRLF after a chunk's data and checks its signature.
func (c *ChunkedReader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
		return err
	}
	if crlf != [2]byte{'\r', '\n'} {
		return incompleteBody()
	}
	if c.verify && !c.chunkSignatureValid() {
		return chunkSignatureMismatch()
	}
	c.state = stateHeader
	return nil
}

// chunkSignatureValid checks the current chunk's claimed signature against
// HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" previous
// signature "\n" SHA-256("") "\n" SHA-256(chunk data)), and advances the
// chain.
func (c *ChunkedReader) chunkSignatureValid() bool {
	var sum [sha256.Size]byte
	var sumHex [2 * sha256.Size]byte
	hex.Encode(sumHex[:], c.chunkHash.Sum(sum[:0]))
	c.mac.Reset()
	c.mac.Write(c.sigPrefix)
	c.mac.Write(c.prevSig[:])
	c.mac.Write(emptyHashLine)
	c.mac.Write(sumHex[:])
	ok := c.macEquals(c.chunkSig[:])
	c.prevSig = c.chunkSig
	return ok
}

// macEquals compares the MAC computed so far with a hex signature in
// constant time.
func (c *ChunkedReader) macEquals(sigHex []byte) bool {
	var want, got [sha256.Size]byte
	c.mac.Sum(want[:0])
	if _, err := hex.Decode(got[:], sigHex); err != nil {
		return false
	}
	return hmac.Equal(want[:], got[:])
}

// readTrailers reads the trailing header lines up to the empty line that
// ends the body, checks the trailer signature and that nothing follows.
func (c *ChunkedReader) readTrailers() error {
	var canonical strings.Builder
	var trailerSig string
	for i := 0; ; i++ {
		line, atEOF, err := c.readLine()
		if err != nil {
			return err
		}
		if atEOF {
			// Some clients end the body without the final empty line;
			// nothing is lost by accepting that.
			break
		}
		if len(line) == 0 {
			break
		}
		if !c.trailer || i >= maxTrailers {
			return incompleteBody()
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return incompleteBody()
		}
		n := strings.ToLower(string(bytes.TrimSpace(name)))
		v := string(bytes.TrimSpace(value))
		if n == "" {
			return incompleteBody()
		}
		if n == "x-amz-trailer-signature" {
			trailerSig = v
			continue
		}
		if c.trailers == nil {
			c.trailers = make(http.Header)
		}
		c.trailers.Add(textproto.CanonicalMIMEHeaderKey(n), v)
		canonical.WriteString(n + ":" + v + "\n")
	}
	if c.verify && c.trailer {
		if !isSHA256Hex(trailerSig) {
			return chunkSignatureMismatch()
		}
		sum := sha256.Sum256([]byte(canonical.String()))
		c.mac.Reset()
		c.mac.Write([]byte("AWS4-HMAC-SHA256-TRAILER\n" + c.date + "\n" + c.scope + "\n"))
		c.mac.Write(c.prevSig[:])
		c.mac.Write([]byte("\n" + hex.EncodeToString(sum[:])))
		if !c.macEquals([]byte(trailerSig)) {
			return chunkSignatureMismatch()
		}
	}
	if _, err := c.br.Peek(1); err == nil {
		return incompleteBody()
	} else if err != io.EOF {
		return err
	}
	return nil
}

// emptyHashLine is the middle of a chunk's string to sign: the hash of the
// (empty) chunk headers between newlines.
var emptyHashLine = []byte("\n" + emptySHA256 + "\n")

// chunkSignatureMismatch is S3's answer to a chunk or trailer signature
// that does not verify.
func chunkSignatureMismatch() *Error {
	return &Error{Code: "SignatureDoesNotMatch", Message: msgSignatureS3, Status: http.StatusForbidden}
}
