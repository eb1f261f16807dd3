module zbench

go 1.26
