# Turn a text file into a C string constant named by -v name=...
# (escaped character by character: gsub's handling of backslashes in the
# replacement differs between awks)
BEGIN {
	printf "/* Generated from a data file by embed.awk: do not edit. */\n"
	printf "const char %s[] =\n", name
}
{
	out = ""
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1)
		if (c == "\\")
			out = out "\\\\"
		else if (c == "\"")
			out = out "\\\""
		else
			out = out c
	}
	printf "\t\"%s\\n\"\n", out
}
END { printf "\t\"\";\n" }
