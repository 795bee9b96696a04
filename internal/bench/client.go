package bench

import (
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every benchmark client signs for.
const Region = "us-east-1"

// requestTimeout bounds one HTTP exchange so a stuck server turns into a
// counted error instead of a hung run.
const requestTimeout = 60 * time.Second

// NewHTTPClient returns an HTTP client whose connection pool keeps at least
// maxConns idle connections to one host, so a cell with maxConns workers
// never closes and redials connections between calls. It ignores proxy
// settings: benchmarks talk to the endpoint directly.
func NewHTTPClient(maxConns int) *http.Client {
	maxConns = max(maxConns, 1)
	transport := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: transport, Timeout: requestTimeout}
}

// NewAWSConfig returns the SDK configuration shared by every client of one
// target and workload: static credentials "test"/"test", region us-east-1,
// the endpoint as BaseEndpoint, the given HTTP client and no retries, so
// that every failed call is counted instead of hidden by a retry. It reads
// no environment variables or shared config files.
func NewAWSConfig(endpoint string, httpClient *http.Client) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("test", "test", "")),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   httpClient,
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		// S3 would otherwise add a CRC32 to every PutObject and validate
		// checksums on GetObject when a target returns one; "when_required"
		// makes the client do the same work against every target.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
}
