print("kubesim: placeholder, built by the KubeSim issue")
