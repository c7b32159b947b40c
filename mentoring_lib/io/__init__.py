"""Reading exports as the survey tools wrote them, and writing spreadsheets safely."""
