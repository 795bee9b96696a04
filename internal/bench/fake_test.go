package bench

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// fakeLimit imitates the limit server's S3 behaviour: PUT answers 200 with
// an ETag, GET of a key "obj-<size>-..." answers size bytes, DELETE answers
// 204. It answers every JSON (X-Amz-Target) request with a 400 error, so SQS
// setups fail, and records what the client sent.
type fakeLimit struct {
	// failObjectPut makes PutObject (a PUT with a key) answer 500 InternalError.
	failObjectPut bool

	mu              sync.Mutex
	requests        []string // "METHOD /path" of every request
	checksumHeaders []string // names of checksum headers the client sent
	badPutBodies    int      // PUT bodies whose length differs from Content-Length
}

func (f *fakeLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-amz-checksum") ||
			strings.HasPrefix(l, "x-amz-sdk-checksum") || l == "x-amz-trailer" || l == "content-md5" {
			f.checksumHeaders = append(f.checksumHeaders, name)
		}
	}
	if r.Method == http.MethodPut && int64(len(body)) != r.ContentLength {
		f.badPutBodies++
	}
	f.mu.Unlock()

	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.sqs#InvalidAction","message":"not here"}`)
		return
	}
	segments := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch r.Method {
	case http.MethodPut:
		if f.failObjectPut && len(segments) > 1 {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>boom</Message></Error>`)
			return
		}
		w.Header().Set("ETag", `"00000000000000000000000000000000"`)
	case http.MethodGet:
		last := segments[len(segments)-1]
		if strings.HasPrefix(last, "obj-") {
			n, _ := strconv.Atoi(strings.SplitN(last, "-", 3)[1])
			w.Header().Set("Content-Length", strconv.Itoa(n))
			_, _ = w.Write(make([]byte, n))
			return
		}
		w.WriteHeader(http.StatusNotFound)
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// snapshot returns copies of what the fake recorded.
func (f *fakeLimit) snapshot() (requests, checksumHeaders []string, badPutBodies int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...), append([]string(nil), f.checksumHeaders...), f.badPutBodies
}

// onlyClientRace reports whether r's errors, if any, are all
// aws-sdk-go-v2's client-side race on fast loopback servers
// (aws/aws-sdk-go-v2#1825: a response over about 4 KB read from a
// connection the client has already closed) and at most one in ten
// iterations. The benchmark counts them because it runs without retries;
// they hit large responses now and then against any fast server, the
// limit server included.
func onlyClientRace(r *Result) bool {
	var raced uint64
	for kind, n := range r.ErrorKinds {
		if strings.HasSuffix(kind, "use of closed network connection") {
			raced += n
		}
	}
	return r.Errors == raced && raced*10 <= r.Ops
}
