// Placeholder entry point; the command set is built in the Commands folder.
return 0;
