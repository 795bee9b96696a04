// Package e2e holds end-to-end tests that run the virga binary itself.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// buildVirga compiles the server once per test binary.
var buildVirga = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "virga-e2e-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "virga")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/virga").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startVirga runs the binary with args and waits until it serves.
func startVirga(t *testing.T, addr string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := buildVirga()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--listen", addr, "--log-level", "warn"}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/_virga/health")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("virga did not start")
	return nil
}

func sdkConfig(addr string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + addr),
		HTTPClient:   awshttp.NewBuildableClient(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// TestKillDuringWritesLosesNothingAcknowledged writes S3 objects and SQS
// messages from several goroutines, kills the server with SIGKILL in the
// middle, restarts it on the same data directory and checks that every
// write the clients saw acknowledged is there.
func TestKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dataDir := t.TempDir()
	addr := freePort(t)
	cmd := startVirga(t, addr, "--data-dir", dataDir)
	ctx := context.Background()
	cfg := sdkConfig(addr)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	sqsc := sqs.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("crash")})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	ackedObjects := map[string][]byte{}
	ackedMessages := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/obj-%d", w, i)
				body := bytes.Repeat([]byte(key), 200+i%50)
				if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
					return
				}
				mu.Lock()
				ackedObjects[key] = body
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("w%d-msg-%d", w, i)
				if _, err := sqsc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body)}); err != nil {
					return
				}
				mu.Lock()
				ackedMessages[body] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(ackedObjects) == 0 || len(ackedMessages) == 0 {
		t.Fatalf("load acknowledged %d objects and %d messages; want some of each", len(ackedObjects), len(ackedMessages))
	}
	t.Logf("acknowledged before the kill: %d objects, %d messages", len(ackedObjects), len(ackedMessages))

	addr = freePort(t)
	startVirga(t, addr, "--data-dir", dataDir)
	cfg = sdkConfig(addr)
	s3c = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	sqsc = sqs.NewFromConfig(cfg)
	for key, want := range ackedObjects {
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("acknowledged object %s lost: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("object %s: %d bytes back, want %d (err %v)", key, len(got), len(want), err)
		}
	}
	url, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("crash")})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for empty := 0; empty < 2; {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		for _, m := range out.Messages {
			seen[*m.Body] = true
		}
	}
	for body := range ackedMessages {
		if !seen[body] {
			t.Fatalf("acknowledged message %q lost (%d of %d received)", body, len(seen), len(ackedMessages))
		}
	}
}
