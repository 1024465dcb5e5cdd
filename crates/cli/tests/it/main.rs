mod replicas;
mod template;
mod walkthrough;
