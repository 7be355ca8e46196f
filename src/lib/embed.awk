# Turn a text file into a C string constant named by -v name=...
BEGIN {
	printf "/* Generated from a data file by embed.awk: do not edit. */\n"
	printf "const char %s[] =\n", name
}
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	printf "\t\"%s\\n\"\n", $0
}
END { printf "\t\"\";\n" }
