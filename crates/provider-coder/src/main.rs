//! `terraform-provider-coder`: started by Terraform, never by hand.

fn main() -> std::process::ExitCode {
    tollgate_provider_coder::plugin::main()
}
