// Package attempt is the body of the TestMain that dsgrade injects beside the staff tests
// (harness/gotest/testmain.go.tmpl): it takes the attempt's secret from the descriptor dsgrade
// handed the process, runs the test, measures what the submission left behind and reports the
// outcome in a record only the holder of the secret can produce.
//
// The secret is a fresh random key per attempt, never in the environment or on disk. dsgrade
// writes it to a socket that the process inherits as fd 3 (DSGRADE_SECRET_FD names it); package
// fdguard marks that descriptor close-on-exec before any package of the submission is
// initialised, and Main reads it and closes it before any test runs. The record is one JSON line
// and its HMAC-SHA256 under the key, written to the result file the secret names: code that runs
// during the tests has no key to write a record with, and a record it reads or changes afterwards
// no longer verifies.
package attempt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dsgrade.dev/harness/gotest/fdguard"
	"dsgrade.dev/harness/gotest/leakcheck"
)

// Config is what dsgrade compiles into the injected TestMain, as constants.
type Config struct {
	// PackageDir is the test package's folder relative to the module root ("p0partA"; "" for the root).
	PackageDir string
	// StudentFiles are the handed-in files relative to the module root, one per line.
	StudentFiles string
}

// Record is what the result file carries (its first line, as JSON).
type Record struct {
	V     int               `json:"v"`
	Code  int               `json:"code"`
	Leaks *leakcheck.Report `json:"leaks,omitempty"`
}

// RecordVersion is the version of the payload and record formats.
const RecordVersion = 1

// Secret is what dsgrade hands one attempt: the key, the leak check's settings for this attempt
// (they come with the key, not from the environment, which the submission can change) and
// where the record goes.
type Secret struct {
	Key [32]byte
	// SettleMillis is how long the submission's goroutines may take to return after a passing
	// test; 0 turns the leak check off.
	SettleMillis int
	// CPUWindowMillis is how long CPU use is measured when goroutines are left.
	CPUWindowMillis int
	ResultFile      string
}

// ExitNoSecret is the exit status of a process whose secret was gone before the tests started.
const ExitNoSecret = 3

// MissingSecretMessage starts the line printed when the secret is not there.
const MissingSecretMessage = "dsgrade-harness: the grader's secret was not on its file descriptor when the tests were to start"

// ExitNoRecord is the exit status of a process whose record could not be written.
const ExitNoRecord = 4

// NoRecordMessage starts the line printed when the record could not be written.
const NoRecordMessage = "dsgrade-harness: could not write the result record"

// Main runs m under dsgrade's harness and exits. It must be called by TestMain, and TestMain by
// the test binary's generated main: submission code in the test's package can call TestMain
// itself (from init, with a testing.M it built), and must not get the secret that way.
func Main(m *testing.M, cfg Config) {
	caller, err := checkCaller()
	if err != nil {
		panic("dsgrade-harness: " + err.Error())
	}
	fdText, ok := os.LookupEnv(fdguard.SecretFDVariable)
	_ = os.Unsetenv(fdguard.SecretFDVariable)
	if !ok {
		// Run by hand, outside dsgrade: plain go test behaviour.
		os.Exit(m.Run())
	}
	secret, err := readSecret(fdText)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s (%v): code that ran before them, in an init function or a package variable, took it. The test was not run.\n", MissingSecretMessage, err)
		os.Exit(ExitNoSecret)
	}
	code := m.Run()
	rec := Record{V: RecordVersion, Code: code}
	if code == 0 && secret.SettleMillis > 0 {
		report := leakcheck.Measure(leakcheck.Options{
			Root:         moduleRoot(caller, cfg.PackageDir),
			StudentFiles: strings.Split(cfg.StudentFiles, "\n"),
			Settle:       time.Duration(secret.SettleMillis) * time.Millisecond,
			CPUWindow:    time.Duration(secret.CPUWindowMillis) * time.Millisecond,
		})
		rec.Leaks = &report
	}
	if err := WriteRecord(secret, rec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", NoRecordMessage, err)
		os.Exit(ExitNoRecord)
	}
	os.Exit(code)
}

// checkCaller returns the file of TestMain after checking that Main was called by TestMain and
// TestMain by main.main (frames are found by name, so inlining does not matter).
func checkCaller() (string, error) {
	pcs := make([]uintptr, 16)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if f.Function == "dsgrade.dev/harness/gotest/attempt.Main" {
			break
		}
		if !more {
			return "", errors.New("attempt.Main is not on the stack")
		}
	}
	testMain, _ := frames.Next()
	if !strings.HasSuffix(testMain.Function, ".TestMain") {
		return "", fmt.Errorf("attempt.Main was called by %s, not by TestMain", testMain.Function)
	}
	main, _ := frames.Next()
	if main.Function != "main.main" {
		return "", fmt.Errorf("TestMain was called by %s, not by the test binary's main: calling TestMain is not allowed", main.Function)
	}
	return testMain.File, nil
}

// moduleRoot is the module root as the binary's file paths show it: the folder of TestMain's
// file without the package folder.
func moduleRoot(testMainFile, pkgDir string) string {
	dir := path.Dir(testMainFile)
	if pkgDir == "" || pkgDir == "." {
		return dir
	}
	return strings.TrimSuffix(dir, "/"+pkgDir)
}

// readSecret reads the payload from the descriptor until EOF, closes it and parses it.
func readSecret(fdText string) (Secret, error) {
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 {
		return Secret{}, fmt.Errorf("%s=%q is not a descriptor above 2", fdguard.SecretFDVariable, fdText)
	}
	f := os.NewFile(uintptr(fd), "dsgrade-secret")
	var buf [4096]byte
	n, err := io.ReadFull(f, buf[:])
	_ = f.Close()
	defer wipe(buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Secret{}, fmt.Errorf("reading fd %d: %v", fd, err)
	}
	return ParsePayload(buf[:n])
}

// ParsePayload parses "dsgrade-secret 1 <64 hex digits> <settle ms> <cpu window ms> <result file>\n".
func ParsePayload(p []byte) (Secret, error) {
	var s Secret
	line, ok := cutLine(p)
	if !ok {
		return s, errors.New("no complete line")
	}
	const head = "dsgrade-secret 1 "
	if len(line) < len(head)+64+1 || string(line[:len(head)]) != head || line[len(head)+64] != ' ' {
		return s, fmt.Errorf("malformed payload (%d bytes)", len(p))
	}
	if _, err := hex.Decode(s.Key[:], line[len(head):len(head)+64]); err != nil {
		return s, errors.New("malformed key")
	}
	rest := strings.SplitN(string(line[len(head)+65:]), " ", 3)
	if len(rest) != 3 {
		return s, errors.New("malformed payload: fields missing")
	}
	var err1, err2 error
	s.SettleMillis, err1 = strconv.Atoi(rest[0])
	s.CPUWindowMillis, err2 = strconv.Atoi(rest[1])
	if err1 != nil || err2 != nil || s.SettleMillis < 0 || s.CPUWindowMillis < 0 {
		return s, errors.New("malformed leak check settings")
	}
	s.ResultFile = rest[2]
	if !path.IsAbs(s.ResultFile) {
		return s, errors.New("result file is not an absolute path")
	}
	return s, nil
}

func cutLine(p []byte) ([]byte, bool) {
	for i, c := range p {
		if c == '\n' {
			return p[:i], true
		}
	}
	return nil, false
}

// Seal is the result file's content: the record as one JSON line, then its HMAC-SHA256 in hex.
func Seal(key [32]byte, rec Record) ([]byte, error) {
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key[:])
	mac.Write(body)
	out := append(body, '\n')
	out = append(out, hex.EncodeToString(mac.Sum(nil))...)
	return append(out, '\n'), nil
}

// WriteRecord replaces the result file with the sealed record. The file is not followed if it
// is a link (the submission's uid owns the folder it is in).
func WriteRecord(s Secret, rec Record) error {
	data, err := Seal(s.Key, rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(s.ResultFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
