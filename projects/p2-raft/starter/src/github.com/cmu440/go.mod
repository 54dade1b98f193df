module github.com/cmu440

go 1.23
