module dsgrade.dev/harness

go 1.22
