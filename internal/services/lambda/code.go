package lambda

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
)

// CodeSource reads deployment packages and layer archives from S3 in
// process (Virga's S3 implements it with s3.Objects). Open returns a
// reader of the object's bytes and their length, or S3's error as
// *awserr.Error; region is the function's (or layer's), and a bucket
// elsewhere is S3's PermanentRedirect.
type CodeSource interface {
	Open(ctx context.Context, account, region, bucket, key, versionID string) (io.ReadCloser, int64, error)
}

// codeLinkLifetime is how long a Code.Location or Content.Location URL
// works, as AWS's presigned S3 URLs for code do.
const codeLinkLifetime = 10 * time.Minute

// downloadPrefix is the path under which the code links are served.
const downloadPrefix = "/_virga/lambda/code/"

// functionCode unpacks a package given as ZipFile or as an S3 object in
// region (FunctionCode, UpdateFunctionCode and layer Content share the
// members), with AWS's errors for missing, conflicting and unreadable
// sources; op names the operation in the upload size error.
func (s *Service) functionCode(ctx context.Context, op, region string, zipFile []byte, bucket, key, version *string) (*code, *awserr.Error) {
	fromS3 := bucket != nil || key != nil || version != nil
	switch {
	case len(zipFile) > 0 && fromS3:
		return nil, invalidParameter("Please do not provide other FunctionCode parameters when providing a ZipFile.")
	case len(zipFile) > 0:
		if len(zipFile) > maxZipUpload {
			return nil, awserr.New("RequestEntityTooLargeException", 413,
				fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", maxZipRequestBytes, op))
		}
		return s.unpackArchive(zipFile)
	case bucket == nil || key == nil || *bucket == "" || *key == "":
		return nil, invalidParameter("Please provide a source for function code.")
	}
	b, aerr := s.readS3(ctx, region, *bucket, *key, deref(version))
	if aerr != nil {
		return nil, aerr
	}
	return s.unpackArchive(b)
}

// readS3 reads an archive from Virga's S3 for a function or layer in
// region, with Lambda's wrapping of S3's errors.
func (s *Service) readS3(ctx context.Context, region, bucket, key, version string) ([]byte, *awserr.Error) {
	if s.opts.Code == nil {
		return nil, invalidParameter("Virga's Lambda is running without S3 here: upload the package as ZipFile.")
	}
	account, _ := caller(ctx)
	body, size, err := s.opts.Code.Open(ctx, account, region, bucket, key, version)
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Status < 500 {
			return nil, invalidParameter(fmt.Sprintf("Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", ae.Code, ae.Message))
		}
		return nil, awserr.Internal(err)
	}
	defer body.Close()
	if size > maxUnzipped {
		return nil, invalidParameter(fmt.Sprintf("Unzipped size must be smaller than %d bytes", maxUnzipped))
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, awserr.Internal(err)
	}
	return b, nil
}

// checkCodeSize applies the limit on a function's code and layers
// together, unzipped.
func checkCodeSize(c *code, layers []layerRef) *awserr.Error {
	total := c.unzipped
	for _, l := range layers {
		total += l.Unzipped
	}
	if len(layers) > 0 && total > maxUnzipped {
		return invalidParameter(fmt.Sprintf("Function code combined with layers exceeds the maximum allowed size of %d bytes. The actual size is %d bytes.", maxUnzipped, total))
	}
	return nil
}

// codeSigner signs the code download links.
type codeSigner struct {
	// key is the HMAC key of the links' signatures, random per service.
	key []byte
}

// sign returns the signature of a link to the zip named name (its SHA-256
// in hex, ".zip") expiring at expires (Unix seconds).
func (c *codeSigner) sign(name string, expires int64) string {
	m := hmac.New(sha256.New, c.key)
	fmt.Fprintf(m, "%s\n%d", name, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// codeURL returns a download link for the zip whose base64 SHA-256 is
// sha, on the endpoint the request came to, working for ten minutes on
// the service clock.
func (s *Service) codeURL(endpoint, sha string) string {
	raw, _ := base64.StdEncoding.DecodeString(sha)
	name := hex.EncodeToString(raw) + ".zip"
	expires := s.clock.Now().Add(codeLinkLifetime).Unix()
	return endpoint + downloadPrefix + name + "?X-Virga-Expires=" + strconv.FormatInt(expires, 10) +
		"&X-Virga-Signature=" + s.downloads.sign(name, expires)
}

// downloadHandler serves the links codeURL hands out: the zip bytes for a
// valid, unexpired link, S3's AccessDenied or SignatureDoesNotMatch
// documents (as for an expired or altered presigned URL) otherwise.
func (s *Service) downloadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, downloadPrefix)
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		expires, err := strconv.ParseInt(q.Get("X-Virga-Expires"), 10, 64)
		if err != nil || !hmac.Equal([]byte(s.downloads.sign(name, expires)), []byte(q.Get("X-Virga-Signature"))) {
			s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
			return
		}
		if s.clock.Now().Unix() > expires {
			s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
			return
		}
		raw, err := hex.DecodeString(strings.TrimSuffix(name, ".zip"))
		zipBytes, found := s.zipBytes(base64.StdEncoding.EncodeToString(raw))
		if err != nil || !found {
			s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Length", strconv.Itoa(len(zipBytes)))
		if r.Method == http.MethodGet {
			w.Write(zipBytes)
		}
	})
}

// zipBytes returns the zip whose base64 SHA-256 is sha.
func (s *Service) zipBytes(sha string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.zips[sha]
	return b, ok
}

// s3Error writes an S3-style XML error document.
func s3Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, message)
}
