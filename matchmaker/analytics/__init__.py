"""Analytics for staff: the funnel from needs to adopted projects, and how matching performs."""
