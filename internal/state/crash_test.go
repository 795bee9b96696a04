package state

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash test re-runs this test binary as a child process (selected by
// these environment variables) that applies a deterministic sequence of
// journal operations and prints "ack N" after operation N returns. The parent
// kills it with SIGKILL mid-load and checks that the reopened journal holds
// exactly the acknowledged operations, plus possibly the one in flight.
const (
	crashDirEnv   = "VIRGA_STATE_CRASH_DIR"
	crashStartEnv = "VIRGA_STATE_CRASH_START"
)

// crashOp is operation i of the sequence: a Put, a Delete or a DeletePrefix.
type crashOp struct {
	kind   byte // 'p', 'd' or 'x'
	ns     string
	key    string // the prefix for 'x'
	value  string
	number int
}

func crashOpAt(i int) crashOp {
	op := crashOp{ns: fmt.Sprintf("ns%d", i%3), key: fmt.Sprintf("k%03d", (i*7919)%300), number: i}
	switch {
	case i%50 == 49:
		op.kind, op.key = 'x', "k1"
	case i%10 == 9:
		op.kind = 'd'
	default:
		op.kind = 'p'
		op.value = strings.Repeat(fmt.Sprintf("v%d;", i), 1+(i*31)%200)
	}
	return op
}

func (op crashOp) apply(state map[[2]string]string) {
	switch op.kind {
	case 'p':
		state[[2]string{op.ns, op.key}] = op.value
	case 'd':
		delete(state, [2]string{op.ns, op.key})
	case 'x':
		for k := range state {
			if k[0] == op.ns && strings.HasPrefix(k[1], op.key) {
				delete(state, k)
			}
		}
	}
}

func (op crashOp) run(j *Journal) error {
	switch op.kind {
	case 'p':
		return j.Put(op.ns, op.key, []byte(op.value))
	case 'd':
		return j.Delete(op.ns, op.key)
	default:
		return j.DeletePrefix(op.ns, op.key)
	}
}

// crashChild is the child process: it never returns normally.
func crashChild(dir string) {
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	// A small compaction threshold makes kills land during compactions too.
	j, err := OpenJournal(dir, Options{CompactMinDead: 16 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	if err := j.Replay(func(string, string, []byte) error { return nil }); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	for i := start; ; i++ {
		if err := crashOpAt(i).run(j); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", i)
	}
}

func TestJournalCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	state := map[[2]string]string{}
	next := 0
	// Each round continues on the journal the previous kill left behind.
	for round, acks := range []int{300, 1500, 700, 2500} {
		last := runAndKill(t, dir, next, acks)
		if last < next {
			t.Fatalf("round %d: child acknowledged nothing", round)
		}
		for i := next; i <= last; i++ {
			crashOpAt(i).apply(state)
		}
		withInFlight := maps.Clone(state)
		crashOpAt(last + 1).apply(withInFlight)

		got := map[[2]string]string{}
		j := openJournal(t, dir, Options{})
		err := j.Replay(func(ns, key string, value []byte) error {
			got[[2]string{ns, key}] = string(value)
			return nil
		})
		j.Close()
		if err != nil {
			t.Fatalf("round %d: Replay = %v", round, err)
		}
		switch {
		case maps.Equal(got, state):
		case maps.Equal(got, withInFlight):
			state = withInFlight
		default:
			for k, v := range state {
				if got[k] != v {
					t.Errorf("round %d: %s/%s = %.40q, acknowledged %.40q", round, k[0], k[1], got[k], v)
				}
			}
			t.Fatalf("round %d: journal after kill (acks up to %d) holds %d keys, acknowledged state %d", round, last, len(got), len(state))
		}
		t.Logf("round %d: killed after op %d; %d keys recovered", round, last, len(got))
		next = last + 2
	}
}

// runAndKill starts a child on dir at operation start, kills it once it has
// acknowledged at least acks operations, and returns the last acknowledged
// operation number (start-1 if none).
func runAndKill(t *testing.T, dir string, start, acks int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalCrashRecovery$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashStartEnv+"="+strconv.Itoa(start))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	last := start - 1
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		n, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil || i != last+1 {
			t.Errorf("child printed %q after ack %d", sc.Text(), last)
		}
		last = i
		if !killed && last-start+1 >= acks {
			cmd.Process.Kill() // SIGKILL
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited before being killed: %v\n%s", err, stderr.String())
	}
	return last
}
