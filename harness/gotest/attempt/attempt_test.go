package attempt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dsgrade.dev/harness/gotest/leakcheck"
)

const keyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func TestParsePayload(t *testing.T) {
	s, err := ParsePayload([]byte("dsgrade-secret 1 " + keyHex + " 1000 250 /tmp/a b/dsgrade-result\n"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(s.Key[:]) != keyHex || s.SettleMillis != 1000 || s.CPUWindowMillis != 250 || s.ResultFile != "/tmp/a b/dsgrade-result" {
		t.Fatalf("parsed %+v", s)
	}
	for _, bad := range []string{
		"",
		"dsgrade-secret 1 " + keyHex + " /tmp/x", // no newline: truncated
		"dsgrade-secret 2 " + keyHex + " /tmp/x\n",                // other version
		"dsgrade-secret 1 " + keyHex[:62] + "zz /tmp/x\n",         // not hex
		"dsgrade-secret 1 " + keyHex + " relative\n",              // not absolute
		"dsgrade-secret 1 " + keyHex + "00 /tmp/x\n",              // key too long
		"DSGRADE_NONCE=0123 dsgrade-secret 1 " + keyHex + " /x\n", // junk in front
	} {
		if _, err := ParsePayload([]byte(bad)); err == nil {
			t.Errorf("ParsePayload(%q): no error", bad)
		}
	}
}

func TestSealIsHMACOfTheJSONLine(t *testing.T) {
	var key [32]byte
	hex.Decode(key[:], []byte(keyHex))
	data, err := Seal(key, Record{V: 1, Code: 0, Leaks: &leakcheck.Report{Goroutines: 1, SettleMs: 500, Stacks: []leakcheck.Stack{{Count: 1, Stack: "[select]\nf()"}}}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("record %q is not two lines", data)
	}
	if lines[0] != `{"v":1,"code":0,"leaks":{"goroutines":1,"settleMs":500,"stacks":[{"count":1,"stack":"[select]\nf()"}]}}` {
		t.Fatalf("body %s", lines[0])
	}
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(lines[0]))
	if lines[1] != hex.EncodeToString(mac.Sum(nil)) {
		t.Fatalf("mac %s", lines[1])
	}
}

func TestWriteRecordReplacesButDoesNotFollowLinks(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dsgrade-result")
	os.WriteFile(file, []byte("forged\nforged\nforged\n"), 0o644)
	s := Secret{ResultFile: file}
	if err := WriteRecord(s, Record{V: 1, Code: 1}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(data), `{"v":1,"code":1}`+"\n") || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("result file %q", data)
	}
	target := filepath.Join(dir, "elsewhere")
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if err := WriteRecord(Secret{ResultFile: link}, Record{V: 1}); err == nil {
		t.Fatal("wrote through a symbolic link")
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("the link's target was created")
	}
}

func TestModuleRoot(t *testing.T) {
	for _, c := range [][3]string{
		{"/w/module/p0partA/zz_dsgrade_main_test.go", "p0partA", "/w/module"},
		{"/w/module/a/b/zz_dsgrade_main_test.go", "a/b", "/w/module"},
		{"/w/module/zz_dsgrade_main_test.go", "", "/w/module"},
		{"github.com/cmu440/lsp/zz_dsgrade_main_test.go", "lsp", "github.com/cmu440"},
	} {
		if got := moduleRoot(c[0], c[1]); got != c[2] {
			t.Errorf("moduleRoot(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestSealGolden pins the format dsgrade verifies (test/gotest/record.test.ts has the same vector).
func TestSealGolden(t *testing.T) {
	var key [32]byte
	hex.Decode(key[:], []byte(keyHex))
	data, _ := Seal(key, Record{V: 1, Code: 0})
	want := `{"v":1,"code":0}` + "\nf1b9d3ebad29a2c92065b99db0f740947522258e4e79a1e99b23421adf0af58b\n"
	if string(data) != want {
		t.Fatalf("sealed %q, want %q", data, want)
	}
}
