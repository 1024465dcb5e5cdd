mod template;
mod walkthrough;
